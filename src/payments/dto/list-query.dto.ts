import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IntegerFromString } from '../../common/validation';

export class ListQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 10 })
  @IsOptional()
  @IntegerFromString('query')
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'Id of the last object of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  starting_after?: string;
}

export class ListTransfersQueryDto extends ListQueryDto {
  /** Only transfers from or to this account. */
  @ApiPropertyOptional({ description: 'Only transfers from or to this account.' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  account?: string;
}
