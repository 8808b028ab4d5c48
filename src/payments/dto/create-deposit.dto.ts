import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { IntegerFromString, IsCurrencyCode, IsMinorUnits } from '../../common/validation';

export class CreateDepositDto {
  @ApiProperty({ type: 'integer', example: 10000, minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Minor units (cents).' })
  @IntegerFromString()
  @IsMinorUnits()
  amount: number;

  @ApiProperty({ example: 'usd' })
  @IsCurrencyCode()
  currency: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}
