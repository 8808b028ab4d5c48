import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsCurrencyCode, IsMetadata, MetadataFromRequest } from '../../common/validation';

export class CreateAccountDto {
  @ApiProperty({ example: 'Alice', maxLength: 200 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'usd', description: 'Lower-case ISO 4217 code.' })
  @IsCurrencyCode()
  currency: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { customer: '42' }, description: 'Up to 50 string values.' })
  @IsOptional()
  @MetadataFromRequest()
  @IsMetadata()
  metadata?: Record<string, string>;
}
