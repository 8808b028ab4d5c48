import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { IntegerFromString, IsCurrencyCode, IsMetadata, IsMinorUnits } from '../../common/validation';

export class CreateTransferDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  from_account: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  to_account: string;

  @IntegerFromString()
  @IsMinorUnits()
  amount: number;

  @IsCurrencyCode()
  currency: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @IsOptional()
  @IsMetadata()
  metadata?: Record<string, string>;
}
